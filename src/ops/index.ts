// Each module registers its op family with the registry when imported.
import './constant';
